"""The five published plans the project was born from (copies of shared/seeds, in seeds/)."""
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# Seed 002's text carries no title of its own; the office types it at import.
TITLE_002 = "阿拉善盟知识产权“十四五”规划"


def seed_path(number: str) -> Path:
    return next(SEEDS.glob(f"{number}_*.txt"))


def seed_bytes(number: str) -> bytes:
    return seed_path(number).read_bytes()
