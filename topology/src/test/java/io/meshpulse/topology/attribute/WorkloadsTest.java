package io.meshpulse.topology.attribute;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WorkloadsTest {

    @Test
    void controllersSuffixesAreUndone() {
        assertEquals("payments-api", Workloads.fromPod("payments-api-7c9d8b6f4-pqrst"));
        assertEquals("frontend", Workloads.fromPod("frontend-dwrc9xfk22-xcxxq"));
        assertEquals("redis", Workloads.fromPod("redis-0"));
        assertEquals("node-agent", Workloads.fromPod("node-agent-x89nn"));
        assertEquals("cleanup", Workloads.fromPod("cleanup-29395340-5m2x4"));
        assertEquals("debug-shell", Workloads.fromPod("debug-shell"));
    }

    @Test
    void aLongDeploymentsPodsKeepTheDeploymentName() {
        // Kubernetes cuts "<replicaset>-" to 58 characters, then adds 5: the hash is cut short, the dashes go.
        String deployment = "payment-reconciliation-worker-for-the-ledger-sync"; // 49 characters
        String cutInHash = (deployment + "-r5mwxk7lcc-").substring(0, 58) + "tz9bq";
        assertEquals(63, cutInHash.length());
        assertEquals(deployment, Workloads.fromPod(cutInHash));

        String fortySeven = "inventory-reconciliation-worker-for-ledger-sync"; // 47: only the last dash is cut
        String cutAtDash = (fortySeven + "-7d9f8c6b5d-").substring(0, 58) + "x2x4q";
        assertEquals(63, cutAtDash.length());
        assertEquals(fortySeven, Workloads.fromPod(cutAtDash));

        // 46 characters: nothing is cut, the usual rule applies
        String fortySix = "inventory-reconciliation-worker-for-ledger-syn";
        assertEquals(fortySix, Workloads.fromPod(fortySix + "-7d9f8c6b5d-x2x4q"));
    }

    @Test
    void aLongDaemonSetsPodsKeepWhatThePodCarriesOfTheName() {
        String daemonSet = "azure-monitor-metrics-collector-for-windows-node-exporters"; // 58 characters
        assertEquals(daemonSet, Workloads.fromPod(daemonSet + "x2x4q"));
    }
}
