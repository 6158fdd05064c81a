/** The whole path on one machine: a pod manifest through the built webhook, run with runc beside the built daemon. */
package io.lxcfs.e2e;
