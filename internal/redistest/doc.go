// Package redistest starts real Redis servers on loopback for tests: a
// standalone server (Start), a 3-master cluster (StartCluster) and a
// master/replica pair watched by three sentinels (StartSentinel).
//
// # Why real servers
//
// In-process fakes such as miniredis do not reproduce what the code under
// test must survive: MOVED/ASK redirections and slot ownership in a cluster,
// sentinel-driven failover, connections reset by a dying server, a server
// coming back on the same port. Those paths are exercised against the real
// redis-server binary, so a missing binary is a test failure, never a skip.
//
// # How processes are reaped
//
// Every redis-server is a direct child of the test binary and is stopped
// three ways, whichever comes first:
//
//   - t.Cleanup sends SIGKILL and waits for the process to be reaped (there is
//     no data worth a graceful shutdown: persistence is off);
//   - each child is started with SysProcAttr.Pdeathsig = SIGKILL, so the kernel
//     kills it when the test binary dies, even by SIGKILL or a test timeout.
//     Pdeathsig fires when the creating OS thread exits, not the process, so
//     the child is started from a goroutine that calls runtime.LockOSThread,
//     never unlocks it, and stays blocked in cmd.Wait for the child's whole
//     life; the thread therefore outlives the child (on non-Linux systems only
//     t.Cleanup applies);
//   - Kill, Stop and Sentinel.KillMaster stop a server on demand.
//
// Server output goes to a log file in the test's temp dir; its tail is
// included in the failure message when a server does not start.
package redistest
