"""python manage.py import_plan PATH [--title T] [--dry-run] [--json]"""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tasks.importers import PlanImportError
from tasks.services import plan_import, plan_preview, preview_dict


class Command(BaseCommand):
    help = ("Import a published plan (.txt, .docx, .xlsx, .html, .pdf) into plans, tasks and "
            "indicators.")

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
            raise CommandError(f"{path}: {exc.strerror}") from exc  # the system's own words
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
            self.stderr.write(_("imported as plan #%(pk)d") % {"pk": outcome.plan.pk})
        else:
            self.stderr.write(
                _("%(file)s: already imported as plan #%(pk)d (%(title)s); nothing changed")
                % {"file": path, "pk": outcome.plan.pk, "title": outcome.plan.title}
            )

    @staticmethod
    def _preview(outcome):
        return preview_dict(outcome.resolved)

    def _report(self, preview: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(preview, ensure_ascii=False, indent=2))
            return
        plan, agencies, group = preview["plan"], preview["agencies"], preview["leading_group"]
        tasks = preview["tasks"]
        dash = "-"
        lines = [
            _("title: %(title)s") % {"title": plan["title"]},
            _("issuer: %(issuer)s  document number: %(number)s  issued: %(issued)s  "
              "period: %(start)s – %(end)s") % {
                "issuer": plan["issuer"] or dash, "number": plan["doc_number"] or dash,
                "issued": plan["issued_on"] or dash, "start": plan["period_start"] or dash,
                "end": plan["period_end"] or dash,
            },
            _("sections: %(count)d") % {"count": len(preview["sections"])},
            _("tasks: %(count)d (%(needing)d need a lead agency)") % {
                "count": len(tasks), "needing": sum(t["needs_assignment"] for t in tasks)
            },
            _("not imported: %(count)d (goals, context, items without a note; see --json)")
            % {"count": len(preview["not_imported"])},
            _("indicators: %(count)d") % {"count": len(preview["indicators"])},
            _("leading group members: %(count)d") % {
                "count": len(group["members"]) if group else 0
            },
            _("agencies: %(matched)d matched, %(new)d new, %(near)d near matches to confirm") % {
                "matched": len(agencies["matched"]), "new": len(agencies["new"]),
                "near": len(agencies["suggestions"]),
            },
        ]
        lines += [f"  ? {s['name']} ≈ {s['candidate']}" for s in agencies["suggestions"]]
        lines += [_("warning: %(text)s") % {"text": w} for w in preview["warnings"]]
        self.stdout.write("\n".join(lines))
