// Jobs: the JobQueue protocol, its memory and Redis drivers, and the worker loop.
