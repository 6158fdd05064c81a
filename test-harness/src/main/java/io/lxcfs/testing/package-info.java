/**
 * The one test harness: what the daemon's ITs, {@code src-test} and the benchmarks share to set up real cgroups,
 * run the daemon and the reference LXCFS as processes, run runc containers and wait for conditions.
 */
package io.lxcfs.testing;
