/**
 * The node's name. The bag tool names its output topics after it (`/visualbackprop/<camera>/...`),
 * so a processed bag and a recording of the live node carry the same topics.
 */
export const NODE_NAME = "visualbackprop";
