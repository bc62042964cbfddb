/** Option parsers shared by the commands: each turns bad text into an InputError naming the option. */
import { InputError } from "./errors.js";
import { KASAN_MODES, isKasanMode, type KasanMode } from "../config/mode.js";

export function parseSeed(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) {
    throw new InputError(`--seed: expected an integer from 0 to 4294967295, got "${text}"`);
  }
  return Number(text);
}

export function parseMode(text: string): KasanMode {
  if (!isKasanMode(text)) throw new InputError(`--mode: expected one of ${KASAN_MODES.join(", ")}, got "${text}"`);
  return text;
}

export function parsePositiveInt(name: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new InputError(`${name}: expected a positive integer, got "${text}"`);
  }
  return Number(text);
}
