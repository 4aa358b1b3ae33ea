import { render } from "@testing-library/react";
import { Button, ConfigProvider, Form, Input, Modal, Select, Table, Tabs, Tag } from "antd";
import viVN from "antd/locale/vi_VN";
import { selectorEngines, subjectClasses } from "./selectorCache";

type Engine = Record<string, unknown>;

/** Whether ``selector`` is still compiled in an engine's match caches. */
function compiled(engine: Engine | undefined, selector: string): boolean {
  return (engine?.matchResolvers as { has: (key: string) => boolean }).has(selector);
}

describe("jsdom's compiled selectors (setup.ts keeps them all)", () => {
  it("finds jsdom's two selector engines", () => {
    const { query, style } = selectorEngines(document);
    expect(query).toBeDefined();
    expect(style).toBeDefined();
    expect(query).not.toBe(style);
  });

  it("keeps the first of 1500 style rules compiled after computing an element's style (nwsapi alone keeps 1000)", () => {
    const style = document.createElement("style");
    style.textContent = Array.from({ length: 1500 }, (_, i) => `.rule-${i} .probe { margin-left: ${i}px; }`).join("\n");
    document.head.append(style);
    const probe = document.createElement("div");
    probe.className = "rule-1499";
    probe.innerHTML = '<span class="probe">Văn bản đến</span>';
    document.body.append(probe);
    try {
      const span = probe.querySelector("span") as HTMLElement;
      expect(getComputedStyle(span).marginLeft).toBe("1499px"); // the same answer
      expect(compiled(selectorEngines(document).style, ".rule-0 .probe")).toBe(true);
      expect(compiled(selectorEngines(document).style, ".rule-1499 .probe")).toBe(true);
    } finally {
      style.remove();
      probe.remove();
    }
  });

  it("keeps the first of 1500 selectors an element was matched against", () => {
    for (let i = 0; i < 1500; i += 1) document.body.matches(`.selector-${i}`);
    expect(compiled(selectorEngines(document).query, ".selector-0")).toBe(true);
  });
});

describe("the classes a style rule's subject needs (setup.ts skips rules by them)", () => {
  it("reads the subject's own classes, not those of ancestors, :not(), :where() or attribute tests", () => {
    expect(subjectClasses(".ant-btn")).toEqual([["ant-btn"]]);
    expect(subjectClasses(":where(.css-dev-only-do-not-override-1x2y).ant-btn-primary:not(:disabled):hover"))
      .toEqual([["ant-btn-primary"]]);
    expect(subjectClasses(".ant-table .ant-table-cell.ant-table-cell-fix-left")).toEqual([["ant-table-cell", "ant-table-cell-fix-left"]]);
    expect(subjectClasses(".a > .b, .c ~ .d+.e")).toEqual([["b"], ["e"]]);
    expect(subjectClasses(".ant-form-item-label >label")).toBeNull(); // a tag: every label is a candidate
    expect(subjectClasses(".a:is(.b, .c)")).toEqual([["a"]]);
    expect(subjectClasses(":is(.b, .c)")).toBeNull();
    expect(subjectClasses(".a:nth-child(2n+1)")).toEqual([["a"]]);
    expect(subjectClasses(".a::before")).toEqual([["a"]]);
    expect(subjectClasses(".a, span")).toBeNull(); // one selector of the list names none
    expect(subjectClasses("[class^=\"ant-col\"]")).toBeNull();
    expect(subjectClasses(".w-1\\/2")).toBeNull();
    expect(subjectClasses(".a[data-x~=y] .b[data-y]")).toEqual([["b"]]);
    expect(subjectClasses("*")).toBeNull();
  });

  it("gives every element of an Ant Design page the style jsdom gives it without skipping (each rule, each element)", () => {
    const { baseElement, unmount } = render(
      <ConfigProvider locale={viVN}>
        <Form layout="vertical">
          <Form.Item label="Trích yếu" name="abstract" required><Input /></Form.Item>
          <Form.Item label="Độ khẩn" name="urgency"><Select open options={[{ value: "normal", label: "Thường" },
            { value: "urgent", label: "Khẩn" }]} /></Form.Item>
          <Button type="primary">Vào sổ</Button> <Button danger disabled>Trả lại</Button>
        </Form>
        <Tabs items={[{ key: "a", label: "Chờ xử lý", children: "Văn bản đến" }, { key: "b", label: "Đã xử lý", children: "Văn bản đi" }]} />
        <Table rowKey="id" columns={[{ title: "Số đến", dataIndex: "n", fixed: "left" }, { title: "Trạng thái", dataIndex: "s",
          render: (s: string) => <Tag color="red">{s}</Tag> }]} dataSource={[{ id: 1, n: 15, s: "Quá hạn" }, { id: 2, n: 16, s: "Đúng hạn" }]} />
        <Modal open title="Phê duyệt danh mục">Xác nhận</Modal>
      </ConfigProvider>,
    );
    try {
      const engine = selectorEngines(document).style as Engine & Record<"match" | "unskippedMatch", (s: string, e: Element) => boolean>;
      expect(typeof engine.unskippedMatch).toBe("function"); // setup.ts skips
      const rules = new Set<string>();
      for (const sheet of Array.from(document.styleSheets)) {
        for (const rule of Array.from(sheet.cssRules)) {
          const inner = "cssRules" in rule && !(rule instanceof CSSStyleRule) ? Array.from((rule as CSSGroupingRule).cssRules) : [rule];
          for (const each of inner) if (each instanceof CSSStyleRule) rules.add(each.selectorText);
        }
      }
      expect(rules.size).toBeGreaterThan(500);
      const elements = Array.from(baseElement.querySelectorAll("*"));
      expect(elements.length).toBeGreaterThan(100);
      let skipped = 0;
      const wrong: string[] = [];
      for (const selector of rules) {
        const required = subjectClasses(selector);
        for (const element of elements) {
          if (required?.every((classes) => classes.some((c) => !element.classList.contains(c)))) skipped += 1;
          if (engine.match(selector, element) !== engine.unskippedMatch(selector, element)) {
            wrong.push(`${selector} on <${element.tagName} class="${element.className}">`);
          }
        }
      }
      expect(wrong).toEqual([]);
      expect(skipped).toBeGreaterThan(rules.size * elements.length * 0.5); // most pairs never reach nwsapi
    } finally {
      unmount();
    }
  });
});
