import { menuFor } from "../components/AppLayout";
import { personOf } from "./claims";

function token(claims: object): string {
  const part = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(claims))))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `e30.${part}.sig`;
}

describe("the person of an access token", () => {
  it("reads Keycloak's claims, Vietnamese names included, and drops unknown roles", () => {
    const person = personOf(token({ sub: "f4019bbb-b460", preferred_username: "vanthu.ubnd", name: "Trần Thị Thu Hương",
      agency: "000.00.00.H61", realm_access: { roles: ["clerk", "offline_access", "default-roles-vanthu"] } }));
    expect(person).toEqual({ username: "vanthu.ubnd", subject: "f4019bbb-b460", name: "Trần Thị Thu Hương", agency: "000.00.00.H61",
      roles: ["clerk"] });
  });
  it("gives no role for a malformed token", () => {
    expect(personOf("not-a-jwt").roles).toEqual([]);
  });
});

describe("the menu by role", () => {
  it("offers văn bản đến to the clerk and not to the archivist", () => {
    expect(menuFor(["clerk"]).map((e) => e.label)).toContain("Văn bản đến");
    expect(menuFor(["archivist"]).map((e) => e.label)).not.toContain("Văn bản đến");
  });
});
