"""Sizes of what ``make build`` (``sam build``) produced: the shared layer and each function, unzipped and
zipped, against Lambda's deployment limits (250 MB unzipped for a function with its layers; 50 MB for a
zip uploaded directly — ``sam deploy`` goes through S3, so that one is informative).

    python bench/build_size.py [.aws-sam/build]
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

MB = 1024 * 1024
UNZIPPED_LIMIT = 250 * MB  # function code + all its layers, unzipped


def sizes(folder: Path) -> tuple[int, int]:
    """(unzipped bytes, zipped bytes) of a folder, zipped as ``sam deploy`` would (deflate)."""
    raw = 0
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            raw += path.stat().st_size
            zf.write(path, path.relative_to(folder))
    return raw, len(buf.getvalue())


def main(argv: list[str]) -> int:
    build = Path(argv[1] if len(argv) > 1 else ".aws-sam/build")
    if not (build / "template.yaml").is_file():
        print(f"{build}: no built template here; run `make build` first", file=sys.stderr)
        return 2
    layer = build / "CommonLayer"
    l_raw, l_zip = sizes(layer)
    print(f"{'artifact':40} {'unzipped MB':>12} {'zipped MB':>10}")
    print(f"{'CommonLayer':40} {l_raw / MB:12.1f} {l_zip / MB:10.1f}")
    biggest = 0
    for fn in sorted(p for p in build.iterdir() if p.is_dir() and p.name != "CommonLayer"):
        raw, zipped = sizes(fn)
        biggest = max(biggest, raw)
        print(f"{fn.name:40} {raw / MB:12.3f} {zipped / MB:10.3f}")
    total = l_raw + biggest
    print(f"largest function + layer unzipped: {total / MB:.1f} MB of Lambda's {UNZIPPED_LIMIT // MB} MB")
    if total > UNZIPPED_LIMIT:
        print("over Lambda's unzipped limit", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
