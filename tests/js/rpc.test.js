// The one owner of a model's requests: ids, one reply each, cancels, waiting, destroy.

import { afterEach, describe, expect, it, vi } from "vitest";
import { PAGE_SIZE } from "../../js/protocol.js";
import { CANCELLED, Rpc, WAITING_MS, isCancelled } from "../../js/rpc.js";
import { answerCancels, createModel, fail, flush, reply } from "./fake-model.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("Rpc", () => {
  it("sends the request with its type and a fresh request_id", () => {
    const model = createModel();
    const rpc = new Rpc(model);
    const a = rpc.invoke("details", { did: "s:a" });
    const b = rpc.invoke("page", { source: "results", offset: 0, limit: PAGE_SIZE });
    expect(model.sent).toEqual([
      { type: "details", did: "s:a", request_id: a.id },
      { type: "page", source: "results", offset: 0, limit: PAGE_SIZE, request_id: b.id },
    ]);
    expect(b.id).not.toBe(a.id);
    expect(rpc.size).toBe(2);
  });

  it("resolves with the one reply, once", async () => {
    const model = createModel();
    const rpc = new Rpc(model);
    const call = rpc.invoke("make_available", { dids: ["s:a"] });
    const seen = vi.fn();
    call.promise.then(seen);
    await reply(model, model.lastOf("make_available"), { requested: ["s:a"] });
    await reply(model, model.lastOf("make_available"), { requested: ["again"] });
    expect(seen).toHaveBeenCalledTimes(1);
    expect(seen).toHaveBeenCalledWith({ type: "make_available", request_id: call.id, requested: ["s:a"] });
    expect(rpc.size).toBe(0);
  });

  it("ignores replies it did not ask for, of another type, and messages that are not replies", async () => {
    const model = createModel();
    const rpc = new Rpc(model);
    const call = rpc.invoke("details", { did: "s:a" });
    const seen = vi.fn();
    call.promise.then(seen);
    for (const msg of [
      null,
      "details",
      { type: "status", updates: {} },
      { type: "details", request_id: call.id + 1, did: "s:b" },
      { type: "page", request_id: call.id, rows: [] },
      { type: "details", request_id: String(call.id) },
    ])
      model.message(msg);
    await flush();
    expect(seen).not.toHaveBeenCalled();
    expect(rpc.size).toBe(1);
  });

  it("settles a failed request with its PanelError", async () => {
    const model = createModel();
    const rpc = new Rpc(model);
    const call = rpc.invoke("search", { query: "", did_type: "all", filters: "" });
    await fail(model, model.lastOf("search"), "The search is empty.", {
      hint: "Type scope:name*",
      kind: "InvalidQueryError",
    });
    await expect(call.promise).resolves.toMatchObject({
      error: { message: "The search is empty.", hint: "Type scope:name*", kind: "InvalidQueryError" },
    });
  });

  it("cancel() sends cancel_request once, and the target's CancelledError settles it", async () => {
    const model = createModel();
    const rpc = new Rpc(model);
    const call = rpc.invoke("details", { did: "s:a" });
    call.cancel();
    call.cancel();
    expect(model.bodies("cancel_request")).toEqual([{ type: "cancel_request", target: call.id }]);
    expect(rpc.size).toBe(2); // the target, and the cancel_request's own acknowledgement
    await answerCancels(model);
    const settled = await call.promise;
    expect(isCancelled(settled.error)).toBe(true);
    expect(rpc.size).toBe(0);
    // Cancelling what is settled sends nothing.
    call.cancel();
    expect(model.sentOf("cancel_request")).toHaveLength(1);
  });

  it("counts a reply that overtook the cancel", async () => {
    const model = createModel();
    const rpc = new Rpc(model);
    const call = rpc.invoke("details", { did: "s:a" });
    call.cancel();
    await reply(model, model.lastOf("details"), {
      did: "s:a",
      did_url: null,
      did_type: "FILE",
      metadata: {},
      replicas: [],
      rules: [],
      parents: [],
    });
    await expect(call.promise).resolves.toMatchObject({ did: "s:a", did_type: "FILE" });
  });

  it("calls onWaiting after WAITING_MS without a reply, and still takes the late reply", async () => {
    vi.useFakeTimers();
    const model = createModel();
    const rpc = new Rpc(model);
    const onWaiting = vi.fn();
    const call = rpc.invoke("select_all", {}, { onWaiting });
    vi.advanceTimersByTime(WAITING_MS - 1);
    expect(onWaiting).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onWaiting).toHaveBeenCalledTimes(1);
    expect(model.sentOf("cancel_request")).toHaveLength(0); // never given up by the view
    await reply(model, model.lastOf("select_all"), {});
    await expect(call.promise).resolves.toEqual({ type: "select_all", request_id: call.id });
    vi.advanceTimersByTime(10 * WAITING_MS);
    expect(onWaiting).toHaveBeenCalledTimes(1);
  });

  it("does not call onWaiting for a prompt reply, and keeps no timer after it", async () => {
    vi.useFakeTimers();
    const model = createModel();
    const rpc = new Rpc(model);
    const onWaiting = vi.fn();
    rpc.invoke("load_more", {}, { onWaiting });
    expect(vi.getTimerCount()).toBe(1);
    await reply(model, model.lastOf("load_more"), {});
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(WAITING_MS);
    expect(onWaiting).not.toHaveBeenCalled();
  });

  it("destroy() removes its listener and settles every pending request with a CancelledError", async () => {
    vi.useFakeTimers();
    const model = createModel();
    const rpc = new Rpc(model);
    expect(model.listenerCount("msg:custom")).toBe(1);
    const a = rpc.invoke("details", { did: "s:a" }, { onWaiting: () => {} });
    const b = rpc.invoke("page", { source: "results", offset: 0, limit: PAGE_SIZE });
    rpc.destroy();
    expect(model.listenerCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    for (const call of [a, b]) {
      const settled = await call.promise;
      expect(settled.error?.kind).toBe(CANCELLED);
      expect(settled.error?.message).toMatch(/closed/);
    }
    // Nothing is sent on destroy, nor after.
    const after = rpc.invoke("select_all", {});
    expect((await after.promise).error?.kind).toBe(CANCELLED);
    after.cancel();
    expect(model.sent.map((m) => m.type)).toEqual(["details", "page"]);
  });

  it("settles with an error when the message cannot be sent", async () => {
    const model = createModel();
    model.send = () => {
      throw new Error("Comm is closed");
    };
    const rpc = new Rpc(model);
    const call = rpc.invoke("select_all", {});
    const settled = await call.promise;
    expect(settled.error?.message).toMatch(/Comm is closed/);
    expect(rpc.size).toBe(0);
  });

  it("never reuses an id, across the rpcs of different models", () => {
    const ids = new Set();
    for (let m = 0; m < 3; m++) {
      const rpc = new Rpc(createModel());
      for (let i = 0; i < 5; i++) ids.add(rpc.invoke("select_all", {}).id);
    }
    expect(ids.size).toBe(15);
    for (const id of ids) expect(Number.isSafeInteger(id) && id > 0).toBe(true);
  });
});
