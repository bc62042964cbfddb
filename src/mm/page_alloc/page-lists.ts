/**
 * Intrusive doubly linked lists of pages (the kernel's `struct list_head` in struct page, shared
 * by buddy_list and pcp_list since a page is on at most one of them).
 *
 * Links are two Int32Arrays indexed by page index (pfn − minPfn). The lists' heads are extra
 * sentinel slots after the pages (`nrPages + list`), so every list is circular and list_add /
 * list_add_tail / list_del need no special cases.
 */
export class PageLists {
  readonly next: Int32Array;
  readonly prev: Int32Array;

  constructor(
    readonly nrPages: number,
    readonly nrLists: number,
  ) {
    this.next = new Int32Array(nrPages + nrLists);
    this.prev = new Int32Array(nrPages + nrLists);
    for (let l = 0; l < nrLists; l++) {
      const s = nrPages + l;
      this.next[s] = s;
      this.prev[s] = s;
    }
  }

  /** list_add: insert page index `i` at the head of `list`. */
  add(list: number, i: number): void {
    const s = this.nrPages + list;
    const first = this.next[s];
    this.next[i] = first;
    this.prev[i] = s;
    this.prev[first] = i;
    this.next[s] = i;
  }

  /** list_add_tail. */
  addTail(list: number, i: number): void {
    const s = this.nrPages + list;
    const last = this.prev[s];
    this.prev[i] = last;
    this.next[i] = s;
    this.next[last] = i;
    this.prev[s] = i;
  }

  /** list_del. */
  del(i: number): void {
    const n = this.next[i];
    const p = this.prev[i];
    this.next[p] = n;
    this.prev[n] = p;
  }

  /** list_empty. */
  empty(list: number): boolean {
    const s = this.nrPages + list;
    return this.next[s] === s;
  }

  /** list_first_entry_or_null: page index, or -1. */
  first(list: number): number {
    const s = this.nrPages + list;
    const n = this.next[s];
    return n === s ? -1 : n;
  }

  /** list_last_entry (or -1 when empty). */
  last(list: number): number {
    const s = this.nrPages + list;
    const p = this.prev[s];
    return p === s ? -1 : p;
  }

  /** Page indices of `list` from head to tail (for tests and dumps). */
  toArray(list: number): number[] {
    const s = this.nrPages + list;
    const out: number[] = [];
    for (let i = this.next[s]; i !== s; i = this.next[i]) out.push(i);
    return out;
  }
}
