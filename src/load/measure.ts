/**
 * Measures a document as a walker would see it, with aliases expanded: node
 * count (stopping once past `maxNodes`), nesting depth, and whether an alias
 * points back into the node that holds it (a cycle). Each shared subtree is
 * measured once, and nothing is allocated per scalar. With `freeze`, each
 * mapping and sequence is frozen once measured, so the config is not walked
 * a second time.
 *
 * @param root The parsed document.
 * @param maxNodes Where counting may stop.
 * @param freeze Whether to freeze what it walks.
 * @returns The size, depth, and whether it is cyclic.
 */
export function measure(
  root: object,
  maxNodes: number,
  freeze: boolean,
): { nodes: number; depth: number; cycle: boolean } {
  const nodesOf = new Map<object, number>();
  const depthOf = new Map<object, number>();
  const open = new Set<object>();
  let cycle = false;
  const visit = (node: object): void => {
    open.add(node);
    let nodes = 1;
    let depth = 0;
    const children: unknown[] = Array.isArray(node)
      ? node
      : Object.values(node);
    for (const child of children) {
      if (child === null || typeof child !== "object") {
        nodes++;
        continue;
      }
      if (!nodesOf.has(child)) {
        if (open.has(child)) {
          cycle = true;
          break;
        }
        visit(child);
        if (cycle) break;
      }
      nodes += nodesOf.get(child)!;
      depth = Math.max(depth, depthOf.get(child)!);
      if (nodes > maxNodes) break;
    }
    open.delete(node);
    nodesOf.set(node, nodes);
    depthOf.set(node, depth + 1);
    if (freeze) Object.freeze(node);
  };
  visit(root);
  return { nodes: nodesOf.get(root)!, depth: depthOf.get(root)!, cycle };
}
