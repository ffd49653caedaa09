import { AssignerProtocol, type Kafka, type PartitionAssigner } from 'kafkajs';

const CO_PARTITIONED = 'VigilCoPartitioned';

/**
 * Assigns partition numbers, not topic-partitions: the member that gets partition 3 gets it of every
 * topic. Emitters key events by user, so a user's sign-ins (auth/3), data access (access/3) and the
 * analysts' verdicts on them (feedback/3) land on the same processor, the only writer of that user's
 * state, which it holds in memory. (Co-partitioning needs the three topics to have the same partition
 * count, as `vigil setup` creates them.)
 */
export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITIONED,
  version: 0,

  async assign({ members, topics }) {
    const memberIds = members.map(({ memberId }) => memberId).sort();
    const assignment = new Map<string, Record<string, number[]>>(memberIds.map((id) => [id, {}]));
    for (const topic of topics)
      for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
        const member = assignment.get(memberIds[partitionId % memberIds.length]!)!;
        (member[topic] ??= []).push(partitionId);
      }
    return [...assignment].map(([memberId, partitions]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: partitions,
        userData: Buffer.alloc(0),
      }),
    }));
  },

  protocol({ topics }) {
    return {
      name: CO_PARTITIONED,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});

/**
 * Refuses input topics of different partition counts: a user's events would then reach several
 * processors, and each user needs one writer. `vigil setup` creates them alike.
 */
export async function assertCoPartitioned(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
    const counts = metadata.topics.map((topic) => `${topic.name} ${topic.partitions.length}`);
    if (new Set(metadata.topics.map((topic) => topic.partitions.length)).size > 1)
      throw new Error(
        `the input topics need as many partitions each, so that each user has one processor: ${counts.join(', ')}`,
      );
  } finally {
    await admin.disconnect();
  }
}
