"""Measuring a deployment: load tests (`bench`) and, later, quality evaluation."""
