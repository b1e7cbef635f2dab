"""Sample data: the demo pipeline the console loads (pipeline) and generated pipelines of any size
for tests and benchmarks (generated)."""
