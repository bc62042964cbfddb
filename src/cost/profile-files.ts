/**
 * The shipped cost profiles: `profiles/<name>.profile` at the package root, found from this
 * module's own location (two levels up from src/cost/ and from dist/cost/ alike).
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadProfile, ProfileError, type CostProfile } from "./profile.js";

const PROFILES_DIR = new URL("../../profiles/", import.meta.url);

/** Names of the shipped profiles, sorted. */
export function listProfiles(): string[] {
  return readdirSync(PROFILES_DIR)
    .filter((f) => f.endsWith(".profile"))
    .map((f) => f.slice(0, -".profile".length))
    .sort();
}

/** Load a shipped profile by name (e.g. "qemu-tcg"). */
export function readProfile(name: string): CostProfile {
  const known = listProfiles();
  if (!known.includes(name)) throw new ProfileError(`unknown cost profile ${JSON.stringify(name)}: expected one of ${known.join(", ")}`);
  const url = new URL(`${name}.profile`, PROFILES_DIR);
  return loadProfile(readFileSync(url, "utf8"), `profiles/${name}.profile`);
}

/** Absolute path of the profiles folder (for messages and tooling). */
export function profilesDir(): string {
  return fileURLToPath(PROFILES_DIR);
}
