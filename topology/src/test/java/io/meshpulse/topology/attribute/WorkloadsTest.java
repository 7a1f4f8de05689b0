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
    void aHashCutToDigitsIsDroppedToo() {
        // 56 characters: the cut leaves one character of the hash, here a digit (the safe alphabet has seven)
        String deployment = "payments-reconciliation-worker-for-the-eu-west-region-v2";
        String oneDigitLeft = (deployment + "-6c8d9f7b4d-").substring(0, 58) + "kz5tw";
        assertEquals(63, oneDigitLeft.length());
        assertEquals(deployment, Workloads.fromPod(oneDigitLeft));

        // 54 characters: three characters of the hash are left, all digits
        String fiftyFour = "payments-reconciliation-worker-for-the-eu-west-regions";
        String threeDigitsLeft = (fiftyFour + "-579c8d6b4-").substring(0, 58) + "x2x4q";
        assertEquals(fiftyFour, Workloads.fromPod(threeDigitsLeft));
    }

    @Test
    void aLongCronJobsPodsGetTheCronJobName() {
        // a CronJob name may have 52 characters; its Job adds "-<scheduled minute>", and the pod's prefix is cut
        // inside the minute, which has 0, 1 and 3 in it (not safe characters)
        String cronJob = "ledger-export-to-the-archive-storage-account-nightly"; // 52 characters
        String cutInMinute = (cronJob + "-29395340-").substring(0, 58) + "5m2x4";
        assertEquals(63, cutInMinute.length());
        assertEquals(cronJob, Workloads.fromPod(cutInMinute));

        String fortyNine = "ledger-export-to-the-archive-storage-acct-nightly"; // 49: the minute is whole
        assertEquals(49, fortyNine.length());
        assertEquals(fortyNine, Workloads.fromPod((fortyNine + "-29395340-").substring(0, 58) + "5m2x4"));
    }

    @Test
    void aLongDaemonSetsPodsKeepWhatThePodCarriesOfTheName() {
        String daemonSet = "azure-monitor-metrics-collector-for-windows-node-exporters"; // 58 characters
        assertEquals(daemonSet, Workloads.fromPod(daemonSet + "x2x4q"));
    }
}
