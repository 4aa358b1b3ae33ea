import { formatCertificateSubject, parseDistinguishedName, withoutRepeatedOrganisation } from "./certificate";

describe("a certificate's subject, as people read it", () => {
  it("reads name, title (2.5.4.12), unit and agency from the service's RFC 4514 string", () => {
    expect(formatCertificateSubject(
      "CN=Nguyễn Văn Hưởng,2.5.4.12=Chủ tịch,OU=VanThu DEVELOPMENT ONLY,O=Ủy ban nhân dân tỉnh Vĩnh Long,C=VN"))
      .toBe("Nguyễn Văn Hưởng — Chủ tịch (VanThu DEVELOPMENT ONLY, Ủy ban nhân dân tỉnh Vĩnh Long)");
    expect(formatCertificateSubject("CN=Nguyễn Văn Lãnh")).toBe("Nguyễn Văn Lãnh");
    expect(formatCertificateSubject("")).toBe("");
  });

  it("unescapes commas, plus signs and hex-escaped UTF-8 in values", () => {
    expect(formatCertificateSubject("CN=Lê Văn A\\, Jr.,title=Phó Chủ tịch,O=Sở Tài chính \\+ Kế hoạch"))
      .toBe("Lê Văn A, Jr. — Phó Chủ tịch (Sở Tài chính + Kế hoạch)");
    expect(parseDistinguishedName("CN=Tr\\E1\\BA\\A7n Th\\E1\\BB\\8B B+UID=CMND:0123,C=VN")).toEqual([
      { type: "cn", value: "Trần Thị B" }, { type: "uid", value: "CMND:0123" }, { type: "c", value: "VN" }]);
  });

  it("keeps a subject that names no one as it is", () => {
    expect(formatCertificateSubject("O=Ủy ban nhân dân tỉnh Vĩnh Long,C=VN")).toBe("O=Ủy ban nhân dân tỉnh Vĩnh Long,C=VN");
  });
});

describe("an agency's seal names the agency once", () => {
  it("leaves the agency out of the bracket when it is the certificate's holder", () => {
    expect(formatCertificateSubject("CN=Ủy ban nhân dân tỉnh Vĩnh Long,O=Ủy ban nhân dân tỉnh Vĩnh Long,C=VN"))
      .toBe("Ủy ban nhân dân tỉnh Vĩnh Long");
    expect(formatCertificateSubject(
      "CN=Ủy ban nhân dân tỉnh Vĩnh Long,OU=VanThu DEVELOPMENT ONLY,O=Ủy ban nhân dân tỉnh Vĩnh Long,C=VN"))
      .toBe("Ủy ban nhân dân tỉnh Vĩnh Long (VanThu DEVELOPMENT ONLY)");
  });

  it("says the seal's agency once in a signer line and in the verification's note; a person's line is unchanged", () => {
    const agency = "Ủy ban nhân dân tỉnh Vĩnh Long";
    expect(withoutRepeatedOrganisation(`${agency} (${agency}), ký lúc 09:30 01/12/2026`))
      .toBe(`${agency}, ký lúc 09:30 01/12/2026`);
    const person = `Nguyễn Văn Hưởng — Chủ tịch (${agency}), ký lúc 09:31 01/12/2026`;
    expect(withoutRepeatedOrganisation(person)).toBe(person);
    expect(withoutRepeatedOrganisation(
      `quyết-định.pdf: HỢP LỆ (2 chữ ký: ${person}; ${agency} (VanThu DEVELOPMENT ONLY, ${agency}), ký lúc 09:32 `
      + "01/12/2026)"))
      .toBe(`quyết-định.pdf: HỢP LỆ (2 chữ ký: ${person}; ${agency} (VanThu DEVELOPMENT ONLY), ký lúc 09:32 01/12/2026)`);
  });
});
