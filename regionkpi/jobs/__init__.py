"""The jobs: the top of the product, where the layers below are put together and run.

- :mod:`regionkpi.jobs.pipeline`: each step (ingest, build, gate, publish, report) as one function
  that the Airflow tasks and the command line both call;
- :mod:`regionkpi.jobs.cli`: the ``regionkpi`` command;
- :mod:`regionkpi.jobs.orchestration`: what the DAG files share (pools, assets, Cosmos settings);
- :mod:`regionkpi.jobs.demo`: the sample warehouse end to end (``regionkpi demo``);
- :mod:`regionkpi.jobs.dbt_writer`: ``regionkpi-dbt``, dbt under the build's writer lock;
- :mod:`regionkpi.jobs.dag_test`, :mod:`regionkpi.jobs.envfile`, :mod:`regionkpi.jobs.catalogue`:
  small tools.

Nothing below this package imports it (tests/test_layers.py).
"""
