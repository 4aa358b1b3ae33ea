import { Select, type SelectProps } from "antd";

/**
 * What a screen reader reads of a Select's options: with Ant Design's virtual list (its default) the options it reads
 * are a hidden copy whose text is each option's *value* ("unit:NC", a person's subject id); without it, the visible
 * options themselves, whose text is their label (the unit's or the person's name). Every Select whose values are
 * codes or ids spreads this (their lists are an agency's units and people, or a page of search results: short).
 */
export const READABLE_OPTIONS = { virtual: false } as const;

/**
 * Ant Design's Select for a required Form.Item: the form hands ``aria-required`` to the Select's outer element (a
 * plain div, where axe counts it as a critical aria-allowed-attr violation); drop it there. The label and the
 * validation message still name the field. Its options are read by their labels (:data:`READABLE_OPTIONS`).
 */
export function FieldSelect(props: SelectProps & { "aria-required"?: unknown }) {
  const { "aria-required": _ignored, ...rest } = props;
  void _ignored;
  return <Select {...READABLE_OPTIONS} {...rest} />;
}
