import { FilterOutlined } from "@ant-design/icons";
import { Button } from "antd";
import { useId, useState, type ReactNode } from "react";
import { common } from "./messages";

/**
 * A list's filter bar that, on a phone (under 768 px), folds behind a "Bộ lọc" button (with the number of filters in
 * force) instead of taking half the screen above the list; wider, the button is not shown and the bar always is.
 * base.css does the hiding by the screen's width (.vt-filters-toggle, .vt-filters-body[data-open]); the bar stays
 * mounted, so what is typed in it survives folding it.
 */
export function CollapsibleFilters({ active = 0, children }: { active?: number; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <>
      <Button className="vt-filters-toggle" icon={<FilterOutlined aria-hidden />} aria-expanded={open} aria-controls={id}
        onClick={() => setOpen((o) => !o)} style={{ marginBottom: 8 }}>
        {active ? `${common.filters.toggle} (${active})` : common.filters.toggle}
      </Button>
      <div id={id} className="vt-filters-body" data-open={open ? "true" : "false"}>{children}</div>
    </>
  );
}
