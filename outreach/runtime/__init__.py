"""Running the queues: RQ queues, the worker and the embedded Redis."""
