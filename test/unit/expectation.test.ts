import { describe, expect, it } from 'vitest';
import { meetsExpectation, parseExpectation } from '../../core/expectation.js';

describe('assertion expectations', () => {
  it.each([
    ['>= 1000', '1000', true],
    ['>= 1000', 999, false],
    ['> 0', '0', false],
    ['== 0', 0, true],
    ['== 0', null, false],
    ['!= 0', null, true],
    ['< 5', 4.5, true],
    ['<= 5', '6', false],
    ["== 'active'", 'active', true],
    ['!= "x"', 'y', true],
    ['between 10 and 20', '20', true],
    ['between 10 and 20', 21, false],
    ['between 10 and 20', 'abc', false],
    ['matches /^v\\d+$/i', 'V12', true],
    ['~ /^v\\d+$/', 'version', false],
    ['== 1', true, true],
  ] as const)('%s against %j → %s', (text, value, expected) => {
    expect(meetsExpectation(parseExpectation(text), value)).toBe(expected);
  });

  it.each([
    ['>= lots', /neither a number nor a quoted string/],
    ["> 'a'", /needs a number/],
    ['between 5 and 1', /lower bound is above the upper one/],
    ['matches /(/', /Invalid regular expression/],
    ['roughly 5', /is not an expectation: use e\.g\./],
  ])('rejects %j with a clear message', (text, message) => {
    expect(() => parseExpectation(text)).toThrow(message);
  });
});
