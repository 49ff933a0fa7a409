"""negsim: a discrete-event simulator of multi-party diplomacy on SimPy."""
