"""``python -m pyc_aot build fib.py …``: the ``pyc-aot`` command line."""

from .cli import main

raise SystemExit(main())
