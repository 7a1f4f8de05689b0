import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;

/** Prints each member of a consumer group with the partitions it holds, by topic: java -cp LIB/* Assignment.java BOOTSTRAP GROUP */
public class Assignment {
    public static void main(String[] args) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", args[0]))) {
            ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(args[1])).all().get().get(args[1]);
            for (MemberDescription m : g.members()) {
                Map<String, List<Integer>> byTopic = new TreeMap<>();
                for (TopicPartition tp : m.assignment().topicPartitions()) {
                    byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
                }
                byTopic.values().forEach(p -> p.sort(null));
                System.out.println(m.groupInstanceId().orElse(m.consumerId()) + " " + byTopic);
            }
        }
    }
}
