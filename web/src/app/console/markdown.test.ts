import { describe, expect, it } from 'vitest'
import { renderMarkdown } from './markdown'

describe('renderMarkdown', () => {
  it('renders the constructs articles use', () => {
    const html = renderMarkdown('# 退货\n\n以下情况可以**仅退款**：\n\n1. 订单*未发货*；\n2. 包裹丢失\n\n- a `code`\n- [help](https://shop.test/help)\n\n您好 {name}')
    expect(html).toContain('<h3>退货</h3>')
    expect(html).toContain('<strong>仅退款</strong>')
    expect(html).toContain('<ol><li>订单<em>未发货</em>；</li><li>包裹丢失</li></ol>')
    expect(html).toContain('<ul><li>a <code>code</code></li><li><a href="https://shop.test/help" target="_blank" rel="noopener noreferrer">help</a></li></ul>')
    expect(html).toContain('<span class="placeholder">{name}</span>')
  })

  it('escapes markup and refuses script links', () => {
    const html = renderMarkdown('<img src=x onerror=alert(1)> [x](javascript:alert(1))\n```\n<b>raw</b>\n```')
    expect(html).not.toContain('<img')
    expect(html).not.toContain('href="javascript')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).toContain('<pre><code>&lt;b&gt;raw&lt;/b&gt;</code></pre>')
  })

  it('keeps line breaks inside a paragraph', () => {
    expect(renderMarkdown('one\ntwo')).toBe('<p>one<br>two</p>')
  })
})
