"""A generated province: people, a simulated period of events, and the tools that load it.

- :mod:`operations.province.model` (pure): the OPDs, units, people and their hierarchy;
- :mod:`operations.province.plans` (pure): the period, the policies in force and the WFA
  requests of each week, decided;
- :mod:`operations.province.generate` (pure): the events of a period, streamed in order;
- :mod:`operations.province.writer`: the events written straight to the topics in bulk;
- :mod:`operations.province.load`: the public APIs driven at a given rate (check-ins);
- :mod:`operations.province.cli`: ``wfa-province`` (``make province``).
"""
