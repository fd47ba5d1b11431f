"""Several hosts: PostgreSQL and Redis for the dashboard, as docs/architecture.md's "Several
hosts" runs them, started from Debian's binaries by the store tests' own helpers.

    stores = Stores.start(processes, max_connections=150)
    env = {**env, "DATABASE_URL": stores.database_url, "REDIS_URL": stores.redis_url}
    ...
    stores.stop()            (also stopped by `processes.stop_all()`; stop() removes their dirs)
"""

from __future__ import annotations

import shutil
import signal
from dataclasses import dataclass

from ..stores.servers import PostgresServer, RedisServer
from .servers import Process, Processes

DATABASE = "bench"


@dataclass
class Stores:
    postgres: PostgresServer
    redis: RedisServer
    watched: dict[str, Process]  # for measure.concurrent_load's CPU accounting
    database_url: str

    @property
    def redis_url(self) -> str:
        return self.redis.url()

    @classmethod
    def start(cls, processes: Processes, *, max_connections: int) -> Stores:
        # Durability as a production server has it (the store tests turn it off for speed):
        # a session or audit write here costs what it would cost there. The later `-c` wins.
        postgres = PostgresServer.start(config={
            "max_connections": str(max_connections),
            "fsync": "on", "synchronous_commit": "on", "full_page_writes": "on",
        })
        try:
            redis = RedisServer.start()
        except BaseException:
            postgres.stop()
            shutil.rmtree(postgres.directory, ignore_errors=True)
            raise
        watched = {}
        for name, server, stop_signal in (("postgres", postgres, signal.SIGINT),
                                          ("redis", redis, signal.SIGTERM)):
            logs = sorted(server.directory.glob("*.log"))
            log = logs[0] if logs else server.directory / "server.log"
            process = Process(name, server.process, log, log, stop_signal)
            # Registered so an interrupted run stops them with everything else, in order.
            processes.started.append(process)
            watched[name] = process
        url = postgres.create_database(DATABASE)
        return cls(postgres, redis, watched, url)

    def stop(self, processes: Processes) -> None:
        for process in self.watched.values():
            processes.stop(process)
        for server in (self.postgres, self.redis):
            shutil.rmtree(server.directory, ignore_errors=True)
