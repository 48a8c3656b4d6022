import { containsPhoneNumber, countDigits, maskPhoneNumbersDeep, maskPhoneNumbersInText } from '../src/privacy/phone-numbers';

describe('mobile numbers in free text', () => {
  it.each([
    ['王先生13987654321', '王先生139****4321'],
    ['电话13987654321', '电话139****4321'],
    ['请回电 13987654321', '请回电 139****4321'],
    ['+86 139 8765 4321', '+86 139 **** 4321'],
    ['+8613987654321', '+86139****4321'],
    ['0086-139-8765-4321', '0086-139-****-4321'],
    ['8613987654321', '86139****4321'],
    ['（+86）13987654321', '（+86）139****4321'],
    ['139-8765-4321', '139-****-4321'],
    ['１３９８７６５４３２１', '１３９****４３２１'],
    ['手机：１３９ ８７６５ ４３２１。', '手机：１３９ **** ４３２１。'],
    ['a 13987654321, b 15012345678', 'a 139****4321, b 150****5678'],
    // Found in an attacker's pass: a digit after the number, trunk prefix, wider separators.
    ['李雷 13987654321 2', '李雷 139****4321 2'],
    ['电话13987654321 2026年回访', '电话139****4321 2026年回访'],
    ['13987654321-1', '139****4321-1'],
    ['座机转 013987654321', '座机转 0139****4321'],
    ['(139)8765-4321 公司', '(139)****-4321 公司'],
    ['139.8765.4321', '139.****.4321'],
    ['139  8765  4321', '139  ****  4321'],
    ['139 - 8765 - 4321', '139 - **** - 4321'],
    ['139\u20098765\u202F4321', '139\u2009****\u202F4321'],
    ['139\n8765\n4321', '139\n****\n4321'],
    ['139\u00AD8765\u00AD4321', '139\u00AD****\u00AD4321'],
    ['一三九八七六五四三二一', '一三九****四三二一'],
    ['\u0661\u0663\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662\u0661', '\u0661\u0663\u0669****\u0664\u0663\u0662\u0661'],
    ['13987654321,13812345678', '139****4321,138****5678'],
    // Superscript and subscript digits read as a number too (issue 13).
    ['¹³⁹⁸⁷⁶⁵⁴³²¹', '¹³⁹****⁴³²¹'],
    ['₁₃₉ ₈₇₆₅ ₄₃₂₁', '₁₃₉ **** ₄₃₂₁'],
  ])('%s → %s', (input, masked) => {
    expect(maskPhoneNumbersInText(input)).toBe(masked);
    expect(containsPhoneNumber(maskPhoneNumbersInText(input))).toBe(false);
    expect(containsPhoneNumber(input)).toBe(true);
  });

  it.each([
    'order 2026113987654321', // longer run of digits: not a phone number
    '1733011200000', // a timestamp in ms
    'score:12:hot:1796143019000', // a key with a timestamp in it
    '12345678901', // 12x is not a mobile prefix
    '2026-12-01T16:02:09.000Z',
    '139****4321', // already masked
    '预算 10000000 元',
  ])('leaves %s alone', (text) => {
    expect(maskPhoneNumbersInText(text)).toBe(text);
  });

  it('masks strings, keys and phone-like numbers at any depth, and leaves other values alone', () => {
    const masked = maskPhoneNumbersDeep({
      name: '王先生13987654321',
      score: 42,
      createdAt: '2026-12-01T00:00:00.000Z',
      attributes: { mobile_backup: 13987654321, '13812345678': 'x', list: [['电话 150-1234-5678']] },
    });
    expect(masked).toEqual({
      name: '王先生139****4321',
      score: 42,
      createdAt: '2026-12-01T00:00:00.000Z',
      attributes: { mobile_backup: '139****4321', '138****5678': 'x', list: [['电话 150-****-5678']] },
    });
  });

  it('counts digits in every spelling a search box could be given one in, on the NFKC form', () => {
    expect(countDigits('价格')).toBe(0);
    expect(countDigits('a1b2')).toBe(2);
    expect(countDigits('１２３')).toBe(3); // full-width
    expect(countDigits('¹³⁸')).toBe(3); // ¹³⁸
    expect(countDigits('₁₃')).toBe(2); // ₁₃
    expect(countDigits('⑩')).toBe(2); // ⑩ is "10"
    expect(countDigits('½')).toBe(2); // ½ is "1⁄2"
    expect(countDigits('一三八')).toBe(3);
    expect(countDigits('١٣')).toBe(2); // Arabic-Indic
  });
});
