"""Experiments: Monte Carlo estimation, comparisons, sweeps, sensitivity and executors."""
