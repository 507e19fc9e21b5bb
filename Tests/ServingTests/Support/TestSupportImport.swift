// Every test file here uses the shared helpers (TestPaths, RedisServerProcess).
@_exported import SwerveTestSupport
