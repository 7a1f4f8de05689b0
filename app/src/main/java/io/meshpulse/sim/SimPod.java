package io.meshpulse.sim;

/** A materialised pod of the simulated cluster. */
final class SimPod {
    final int id;
    final MeshSpec.Workload workload;
    final String name;
    final String uid;
    final String ip;
    final String node;
    final String appContainer; // null for gateway pods (their only container is istio-proxy)
    final int[] jsonKeyOrder;  // null for TEXT
    ContainerLog proxyLog;     // null without a proxy
    long accessLines;
    long restartAtNanos = Long.MAX_VALUE;

    SimPod(int id, MeshSpec.Workload workload, String name, String uid, String ip, String node,
           String appContainer, int[] jsonKeyOrder) {
        this.id = id;
        this.workload = workload;
        this.name = name;
        this.uid = uid;
        this.ip = ip;
        this.node = node;
        this.appContainer = appContainer;
        this.jsonKeyOrder = jsonKeyOrder;
    }

    boolean hasProxy() {
        return workload.injected();
    }

    String namespace() {
        return workload.namespace();
    }

    String dirName() {
        return workload.namespace() + "_" + name + "_" + uid;
    }
}
