import type { Topic } from './bindings';

export interface TopicGroup {
  parent: Topic;
  children: Topic[];
}

const byName = (a: Topic, b: Topic) => a.name.localeCompare(b.name, 'id');

/** The two-level topic tree, parents and children sorted by name. Orphans become parents. */
export function topicTree(topics: Topic[], activeOnly = false): TopicGroup[] {
  const list = activeOnly ? topics.filter((x) => x.active) : topics;
  const ids = new Set(list.map((x) => x.id));
  const parents = list.filter((x) => x.parent_id === null || !ids.has(x.parent_id)).sort(byName);
  return parents.map((parent) => ({
    parent,
    children: list.filter((x) => x.parent_id === parent.id).sort(byName),
  }));
}

/** "Kesehatan › Pelayanan Puskesmas" for a child, the name for a parent. */
export function topicPath(topics: Topic[], id: number | null | undefined): string {
  if (id === null || id === undefined) return '';
  const topic = topics.find((x) => x.id === id);
  if (!topic) return '';
  const parent = topic.parent_id === null ? undefined : topics.find((x) => x.id === topic.parent_id);
  return parent ? `${parent.name} › ${topic.name}` : topic.name;
}
