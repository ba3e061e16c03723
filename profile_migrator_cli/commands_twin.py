"""CLI commands that run the local twin of AWS (rehearse, twin serve). Imported lazily by main()."""

from __future__ import annotations
