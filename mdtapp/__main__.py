from mdtapp.cli import main

raise SystemExit(main())
