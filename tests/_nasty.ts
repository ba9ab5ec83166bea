// Values a hook can throw that break naive error rendering: getters and
// traps that throw, cycles, symbols, huge messages. Shared by the fault
// tests and the property test.

/** An error whose `message` getter throws. */
function throwingMessage(): Error {
  const error = new Error("unused");
  Object.defineProperty(error, "message", {
    get() {
      throw new Error("message getter");
    },
  });
  return error;
}

/** A Proxy of an Error whose every trap throws. */
function hostileProxy(): unknown {
  return new Proxy(new Error("inside"), {
    get() {
      throw new Error("get trap");
    },
    getPrototypeOf() {
      throw new Error("getPrototypeOf trap");
    },
    has() {
      throw new Error("has trap");
    },
    ownKeys() {
      throw new Error("ownKeys trap");
    },
    getOwnPropertyDescriptor() {
      throw new Error("getOwnPropertyDescriptor trap");
    },
  });
}

function revokedProxy(): unknown {
  const { proxy, revoke } = Proxy.revocable(new Error("revoked"), {});
  revoke();
  return proxy;
}

// AggregateError copies the errors it is given: set them afterwards.
function withErrors(error: AggregateError, errors: unknown[]): AggregateError {
  Object.defineProperty(error, "errors", { value: errors });
  return error;
}

function selfAggregate(): AggregateError {
  const error = new AggregateError([], "outer");
  return withErrors(error, [error, new Error("inner")]);
}

function mutualAggregates(): AggregateError {
  const first = new AggregateError([], "first");
  const second = new AggregateError([first], "second");
  return withErrors(first, [second]);
}

function throwingToString(): unknown {
  return {
    toString() {
      throw new Error("toString");
    },
    [Symbol.toPrimitive]() {
      throw new Error("toPrimitive");
    },
    get [Symbol.toStringTag]() {
      throw new Error("toStringTag");
    },
  };
}

function deepCauses(): Error {
  let error = new Error("level 0");
  for (let i = 1; i < 10_000; i++) {
    error = new Error(`level ${i}`, { cause: error });
  }
  return error;
}

function deepAggregate(): AggregateError {
  let error: unknown = new Error("bottom");
  for (let i = 0; i < 10_000; i++) error = new AggregateError([error], `${i}`);
  return error as AggregateError;
}

function wideAggregate(): AggregateError {
  return new AggregateError(
    Array.from({ length: 100_000 }, (_, i) => new Error(`inner ${i}`)),
    "wide",
  );
}

function nonStringMessage(): Error {
  return Object.assign(new Error(), { message: 42 as unknown as string });
}

function throwingErrorsGetter(): AggregateError {
  const error = new AggregateError([], "errors getter");
  Object.defineProperty(error, "errors", {
    get() {
      throw new Error("errors getter");
    },
  });
  return error;
}

const huge = "x".repeat(5 * 1024 * 1024);

/** Each nasty value, made fresh, with a name for test messages. */
export const nastyValues: Record<string, () => unknown> = {
  "an Error whose message getter throws": throwingMessage,
  "a Proxy of an Error whose traps throw": hostileProxy,
  "a revoked Proxy": revokedProxy,
  "a Proxy of an Error": () => new Proxy(new Error("proxied"), {}),
  "an AggregateError that contains itself": selfAggregate,
  "two AggregateErrors that contain each other": mutualAggregates,
  "an object whose toString throws": throwingToString,
  "a symbol": () => Symbol("secret"),
  "a 5 MB message": () => new Error(huge),
  "a 5 MB string": () => huge,
  "an AggregateError of 5 MB messages": () =>
    new AggregateError([new Error(huge), huge, new Error(huge)], huge),
  "10,000 nested causes": deepCauses,
  "10,000 nested AggregateErrors": deepAggregate,
  "an AggregateError of 100,000 errors": wideAggregate,
  "an Error whose message is a number": nonStringMessage,
  "an AggregateError whose errors getter throws": throwingErrorsGetter,
  "a function": () => () => {},
  "a bigint": () => 10n ** 30n,
  "null": () => null,
  "an object with a null prototype": () => Object.create(null),
};
