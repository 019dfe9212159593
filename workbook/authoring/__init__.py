"""The authors' tools, apart from what kernels import: notebook conventions, student copies,
regenerating outputs, scratch databases, and the compose stack the tests and benchmarks drive.
Nothing a notebook imports reaches in here.
"""
