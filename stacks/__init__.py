"""Spec, catalog, capacity planner and (later) the program builder and engine wrapper.

Importing this package is cheap: submodules load on first use.
"""
