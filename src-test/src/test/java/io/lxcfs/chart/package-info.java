/** The Helm chart, offline (helm-java renders and lints it in process) and, in {@code ChartPodsIT}, run with podman. */
package io.lxcfs.chart;
