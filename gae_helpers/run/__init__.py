"""What a notebook run needs above the measurements: ``parameters`` (the one check of every
notebook parameter), ``stories`` (what differs between datasets: defaults, prose, the post's
figures) and ``report`` (a run's folder, metrics.json, the software stack, printed tables).
"""
