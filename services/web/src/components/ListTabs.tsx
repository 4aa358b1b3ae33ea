import { Grid, Tabs, type TabsProps } from "antd";

/** The space between two tabs of a list on a phone, in px (Ant Design's is 32). */
export const PHONE_TAB_GUTTER = 16;

/**
 * A list's tabs (Văn bản đến, Văn bản đi, Giao việc). On a phone (under 768 px) the bar stays one line and each
 * label on one line (they wrapped onto two or three lines before, trial 17): the tabs sit closer (16 px) so that
 * four short ones fit in a 390 px screen, and when they do not, Ant Design's own overflow takes over: the bar scrolls
 * sideways under a finger (the chosen tab kept in view), a shadow marks the side that has more, and "…", on a tap,
 * lists the tabs out of view. From 768 px, Ant Design's tabs as they are.
 */
export function ListTabs(props: TabsProps) {
  const wide = Grid.useBreakpoint().md ?? false;
  if (wide) return <Tabs {...props} />;
  return <Tabs {...props} className={["vt-list-tabs", props.className].filter(Boolean).join(" ")}
    tabBarGutter={PHONE_TAB_GUTTER} more={{ trigger: ["click"] }} />;
}
