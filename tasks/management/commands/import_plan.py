"""python manage.py import_plan PATH [--title T] [--dry-run] [--json]"""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tasks.importers import PlanImportError
from tasks.services import plan_import, plan_preview


class Command(BaseCommand):
    help = "Import a published plan (.txt, .docx, .xlsx, .html) into plans, tasks and indicators."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--title", help="the plan's title, when the file does not say it")
        parser.add_argument("--dry-run", action="store_true", help="read and report; write nothing")
        parser.add_argument(
            "--json", action="store_true", help="print the reading as one JSON object"
        )

    def handle(self, *args, path, title, dry_run, json: bool = False, **options):
        source = Path(path)
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        try:
            if dry_run:
                self._report(plan_preview(data=data, source_name=str(source), title=title), json)
                return
            outcome = plan_import(data=data, source_name=str(source), title=title)
        except PlanImportError as exc:
            raise CommandError(str(exc)) from exc
        preview = self._preview(outcome)
        if json:
            self._report(preview, True)
        elif outcome.created:
            self._report(preview, False)
            self.stderr.write(f"imported as plan #{outcome.plan.pk}")
        else:
            self.stderr.write(
                f"{path}: already imported as plan #{outcome.plan.pk} ({outcome.plan.title}); "
                "nothing changed"
            )

    @staticmethod
    def _preview(outcome):
        from tasks.services import preview_dict

        return preview_dict(outcome.resolved)

    def _report(self, preview: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(preview, ensure_ascii=False, indent=2))
            return
        plan = preview["plan"]
        agencies = preview["agencies"]
        lines = [
            f"title: {plan['title']}",
            f"issuer: {plan['issuer'] or '-'}  文号: {plan['doc_number'] or '-'}  "
            f"issued: {plan['issued_on'] or '-'}  period: {plan['period_start'] or '-'} – "
            f"{plan['period_end'] or '-'}",
            f"sections: {len(preview['sections'])}",
            f"tasks: {len(preview['tasks'])} "
            f"({sum(t['needs_assignment'] for t in preview['tasks'])} need a lead agency)",
            f"indicators: {len(preview['indicators'])}",
            "leading group members: "
            + str(len(preview["leading_group"]["members"]) if preview["leading_group"] else 0),
            f"agencies: {len(agencies['matched'])} matched, {len(agencies['new'])} new, "
            f"{len(agencies['suggestions'])} near matches to confirm",
        ]
        lines += [f"  ? {s['name']} ≈ {s['candidate']}" for s in agencies["suggestions"]]
        lines += [f"warning: {w}" for w in preview["warnings"]]
        self.stdout.write("\n".join(lines))
