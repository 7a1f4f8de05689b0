package io.meshpulse.topology.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.model.IpOwner;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A task's own recent announcements answer "who held this IP" as the IP table will once it has read them back, from
 * whatever the table held before: IPs passing between pods, a pod announced again, an earlier owner announced late.
 */
class RecentAnnouncementsTest {
    private static final String[] PODS = {"checkout-api-7d4f8b9c6-x2k4q", "checkout-api-7d4f8b9c6-p8m2z",
            "payments-api-5c8d7f6b9-q9wz7", "cart-4dnm7gsr6v-dkv8v"};

    private static IpOwner owner(Random r, long seenAt) {
        String pod = PODS[r.nextInt(PODS.length)];
        return new IpOwner("shop", pod.substring(0, pod.indexOf('-', pod.indexOf('-') + 1)), pod, seenAt);
    }

    @Test
    void answersAsTheTableWillOnceItHasReadTheAnnouncements() {
        Random r = new Random(20261125);
        for (int round = 0; round < 300; round++) {
            String[] ips = {"10.244.1." + round % 250, "10.244.2.7", "10.244.3.9"};
            // what the table held before: announcements it has read back
            RecentAnnouncements.MapTable stale = new RecentAnnouncements.MapTable();
            RecentAnnouncements.MapTable truth = new RecentAnnouncements.MapTable();
            for (int i = 0; i < r.nextInt(12); i++) {
                String ip = ips[r.nextInt(ips.length)];
                IpOwner o = owner(r, 1_000 * r.nextInt(600));
                IpOwnersUpdater.apply(stale, ip, o);
                IpOwnersUpdater.apply(truth, ip, o);
            }
            // the task's announcements since, not in the table yet
            RecentAnnouncements own = new RecentAnnouncements();
            List<String> announced = new ArrayList<>();
            for (int i = 0; i < 1 + r.nextInt(14); i++) {
                String ip = ips[r.nextInt(ips.length)];
                IpOwner o = owner(r, 1_000 * r.nextInt(600)); // sometimes earlier than the owner it follows
                own.announce(ip, o, stale, 5_000 + i);
                IpOwnersUpdater.apply(truth, ip, o);
                announced.add(ip);
            }
            for (String ip : ips) {
                for (long end = 0; end <= 610_000; end += 10_000) {
                    assertEquals(IpOwnersUpdater.ownerAt(truth, ip, end), own.ownerAt(ip, end, stale),
                            "round " + round + ", " + ip + " for a window ending at " + end);
                }
            }
            // A minute on, the table has read them (they were committed long ago) and the copy is dropped.
            own.prune(5_000 + RecentAnnouncements.KEEP_MS + 100);
            assertEquals(0, own.size());
            for (String ip : ips) {
                for (long end = 0; end <= 610_000; end += 10_000) {
                    assertEquals(IpOwnersUpdater.ownerAt(truth, ip, end), own.ownerAt(ip, end, truth), ip);
                }
            }
        }
    }

    @Test
    void keepsAnIpForAMinuteAfterItsLastAnnouncement() {
        RecentAnnouncements own = new RecentAnnouncements();
        RecentAnnouncements.MapTable table = new RecentAnnouncements.MapTable();
        own.announce("10.244.1.1", new IpOwner("shop", "cart", PODS[3], 1_000), table, 0);
        own.announce("10.244.1.2", new IpOwner("shop", "cart", PODS[3], 1_000), table, 30_000);
        own.announce("10.244.1.1", new IpOwner("shop", "payments-api", PODS[2], 9_000), table, 50_000);
        own.prune(RecentAnnouncements.KEEP_MS + 1);
        assertEquals(2, own.size(), "the first IP was announced again since");
        own.prune(30_000 + RecentAnnouncements.KEEP_MS + 1);
        assertEquals(1, own.size());
        assertEquals(PODS[2], own.ownerAt("10.244.1.1", 20_000, table).pod());
        own.prune(50_000 + RecentAnnouncements.KEEP_MS + 1);
        assertEquals(0, own.size());
    }
}
