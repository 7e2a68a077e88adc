"""Running a program: the mock-runtime recorder and dry run behind `deploy plan`, Kubernetes
manifests, the engine wrapper (the one module that touches the Automation API), preflight checks
and `deploy render`.
"""
