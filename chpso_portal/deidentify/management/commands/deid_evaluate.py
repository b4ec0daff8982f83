"""Recall per kind and false alarms of the screening on the marked corpus (issue 9).

    python manage.py deid_evaluate                       # dev, holdout and both together
    python manage.py deid_evaluate --corpus tests/chpso_portal/deid_corpus/dev --show-misses
    python manage.py deid_evaluate --check               # exit status 1 below the thresholds

The scoring rule is in `chpso_portal/deidentify/evaluation.py`. Misses and false alarms are
printed for dev texts only: the holdout texts are for aggregate scores, so that they keep
measuring something (`--include-holdout` overrides this, for the corpus's own authors).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chpso_portal.deidentify.evaluation import evaluate, report

DEFAULT_CORPUS = Path(settings.BASE_DIR) / "tests" / "chpso_portal" / "deid_corpus"


def load(path: Path):
    try:
        from tests.chpso_portal.deid_corpus_format import load_corpus
    except ImportError as error:  # pragma: no cover - the corpus ships with the tests
        raise CommandError("The corpus parser (tests/chpso_portal) is not installed.") from error
    return load_corpus(path)


class Command(BaseCommand):
    help = "Score the de-identification screening on the marked corpus."

    def add_arguments(self, parser):
        parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                            help="a corpus file or folder (default: the whole corpus)")
        parser.add_argument("--show-misses", action="store_true",
                            help="list missed identifiers and flagged clean texts (dev only)")
        parser.add_argument("--include-holdout", action="store_true",
                            help="with --show-misses, list holdout texts too")
        parser.add_argument("--check", action="store_true",
                            help="exit with status 1 when the whole corpus misses a threshold")

    def handle(self, *args, corpus: Path, show_misses: bool, include_holdout: bool,
               check: bool, **options):
        if not corpus.exists():
            raise CommandError(f"No corpus at {corpus}")
        texts = load(corpus)
        if not texts:
            raise CommandError(f"No texts in {corpus}")
        splits: dict[str, list] = {}
        for text in texts:
            head = text.source.split("/", 1)[0] if "/" in text.source else ""
            splits.setdefault(head, []).append(text)
        name = corpus.name
        if len(splits) > 1:
            for split, items in sorted(splits.items()):
                self.stdout.write(report(evaluate(items), f"{name}/{split}") + "\n")
        total = evaluate(texts)
        self.stdout.write(report(total, f"{name} (all)" if len(splits) > 1 else name))

        if show_misses:
            def shown(source: str) -> bool:
                return include_holdout or not source.startswith("holdout")

            hidden = sum(1 for m in total.misses if not shown(m.source))
            hidden += sum(1 for f in total.false_alarms if not shown(f.source))
            self.stdout.write("\nMisses:")
            for miss in total.misses:
                if shown(miss.source):
                    self.stdout.write(
                        f"  {miss.source}#{miss.index} {miss.kind} {miss.surface!r} "
                        f"(covered {miss.covered:.2f}): {miss.context}"
                    )
            self.stdout.write("\nClean texts flagged:")
            for alarm in total.false_alarms:
                if shown(alarm.source):
                    found = ", ".join(f"{kind} {text!r}" for kind, text in alarm.findings)
                    self.stdout.write(f"  {alarm.source}#{alarm.index} {found}: {alarm.context}")
            if hidden:
                self.stdout.write(f"\n({hidden} holdout misses and false alarms not shown)")

        if check and total.failures():
            raise CommandError("Thresholds missed: " + "; ".join(total.failures()))
