"""OpenAPI post-processing: every operation documents the errors it may answer, so that a
client (and the schemathesis run in the tests) knows a 404 or a refused change is expected."""

ERROR = {
    "type": "object",
    "description": "`detail` says why; an invalid body names each field instead.",
    "properties": {"detail": {"type": "string"}},
}
ERRORS = {
    "400": "Invalid input, or the change was refused (the message says why).",
    "401": "Not authenticated.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "No such object among those the user may read.",
    "429": "Too many requests (API_THROTTLE_USER / API_THROTTLE_ANON).",
}
WRITE_ERRORS = {"409": "Changed by someone else meanwhile; nothing was saved."}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = {**ERRORS, **(WRITE_ERRORS if method != "get" else {})}
            for code, text in codes.items():
                operation["responses"].setdefault(code, {"description": text, "content": ref})
    return result
