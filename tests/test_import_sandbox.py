"""The reading runs in a forked child with CPU and memory limits (lib/sandbox.py): what the
checks before parsing did not foresee still cannot take the server's memory or time."""
import pytest

from lib.sandbox import LimitedRunFailed, run_limited
from tasks import importers
from tasks.importers import PlanImportError, read_plan_file
from tasks.models import Plan
from tasks.services import plan_import

MiB = 1024 * 1024


def _allocate(size: int) -> int:
    return len(bytearray(size))


def _spin() -> None:
    while True:
        pass


def _fail() -> None:
    raise PlanImportError("方案.txt：第 3 行有误")


def test_it_returns_the_result_and_passes_exceptions_through():
    assert run_limited(_allocate, MiB, cpu_seconds=10, memory_bytes=256 * MiB,
                       wall_seconds=30) == MiB
    with pytest.raises(PlanImportError, match="第 3 行有误"):
        run_limited(_fail, cpu_seconds=10, memory_bytes=256 * MiB, wall_seconds=30)


def test_it_stops_a_child_past_its_memory():
    with pytest.raises(LimitedRunFailed) as failed:
        run_limited(_allocate, 2048 * MiB, cpu_seconds=10, memory_bytes=256 * MiB,
                    wall_seconds=30)
    assert failed.value.reason == "memory"


def test_it_stops_a_child_past_its_cpu_time():
    with pytest.raises(LimitedRunFailed) as failed:
        run_limited(_spin, cpu_seconds=1, memory_bytes=256 * MiB, wall_seconds=30)
    assert failed.value.reason == "time"


def test_it_kills_a_child_past_the_wall_clock():
    with pytest.raises(LimitedRunFailed) as failed:
        run_limited(_spin, cpu_seconds=60, memory_bytes=256 * MiB, wall_seconds=0.5)
    assert failed.value.reason == "time"


@pytest.mark.django_db
def test_a_reading_past_its_memory_is_refused_and_nothing_written(settings, monkeypatch):
    settings.PLAN_READ_ISOLATED = True
    settings.PLAN_READ_MAX_MEMORY_BYTES = 128 * MiB
    monkeypatch.setattr(importers, "_read",
                        lambda data, name, kind: _allocate(1024 * MiB))

    with pytest.raises(PlanImportError) as error:
        plan_import(data="一、主要任务\n1、开展工作。\n".encode(), source_name="贪.txt")

    assert str(error.value) == "贪.txt：读取所需内存超过 128.0\xa0MB，文件未读取"
    assert Plan.objects.count() == 0


@pytest.mark.django_db
def test_the_isolated_reading_reads_a_seed_like_the_process_does(settings):
    from tests.seeds import seed_bytes

    settings.PLAN_READ_ISOLATED = True
    isolated = read_plan_file(seed_bytes("001"), "001.txt")
    settings.PLAN_READ_ISOLATED = False
    direct = read_plan_file(seed_bytes("001"), "001.txt")
    assert isolated == direct and len(isolated.tasks) == 43


def _pdf_bomb(unpacked: int) -> bytes:
    """A one-page PDF whose content stream inflates to unpacked bytes (about 1/200 of it
    stored): no page count or size checked before parsing sees it."""
    import zlib

    deflate = zlib.compressobj(1)
    stream = b"".join(deflate.compress(b" " * MiB) for _ in range(unpacked // MiB))
    stream += deflate.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
               + b"\nendstream"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


@pytest.mark.django_db
def test_a_pdf_stream_bomb_is_stopped_by_the_readers_memory_limit(settings):
    import time

    settings.PLAN_READ_ISOLATED = True
    settings.PLAN_READ_MAX_MEMORY_BYTES = 128 * MiB
    data = _pdf_bomb(200 * MiB)
    assert len(data) < MiB

    start = time.perf_counter()
    with pytest.raises(PlanImportError) as error:
        plan_import(data=data, source_name="炸弹.pdf")

    assert time.perf_counter() - start < 10
    assert str(error.value).startswith("炸弹.pdf")
    # stopped while inflating: read through, it ends 3 s and 490 MB later in "no text layer"
    assert "文字层" not in str(error.value)
    assert Plan.objects.count() == 0
