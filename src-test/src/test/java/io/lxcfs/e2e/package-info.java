/** End-to-end and chart tests across the daemon, the webhook, the CRDs and the Helm chart. */
package io.lxcfs.e2e;
