"""The bench (`scripts/bench.py`), one module per thing it measures."""
