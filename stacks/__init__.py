"""The core, in layers that import one way only (README "Architecture"):

    run -> build -> sizing -> spec -> catalog -> errors

`catalog` holds the facts, `spec` reads and checks a YAML spec, `sizing` resolves it into one
`Deployment` (rules, planner, cost), `build` turns that into Pulumi components, and `run` drives
them (mock recorder, manifests, engine, render). Importing this package is cheap: submodules
load on first use.
"""
