package search

// zhFillerWords are Chinese function words, particles and question words that customers
// add or swap freely without changing what they ask ("花呗怎么用不了" / "为什么我的花呗用不了了").
// Written by the kefu project from general knowledge of Chinese, not taken from any dataset.
// Negations (不, 没, 别) are deliberately absent: they change the meaning.
var zhFillerWords = setOf(
	"我", "我的", "你", "您", "你们", "的", "了", "吗", "呢", "啊", "吧", "呀", "哦", "嘛", "么", "啦",
	"是", "在", "就", "都", "也", "又", "要", "想", "请", "请问", "你好", "您好", "一下",
	"怎么", "怎样", "怎么样", "如何", "为什么", "为啥", "什么", "啥", "咋", "怎", "是不是",
	"这", "那", "这个", "那个", "这样", "个", "得", "着", "过", "给", "把", "被", "让",
)

// enFillerWords are English function words and question openers ("can I", "how do I", "is
// there"): every way of asking has them, so, like the Chinese fillers, they say little about
// which entry is meant. Scaling them by Weights.Filler took bitext_en's dev recall@1 from
// 0.961 to 0.975, and stopped "can I use a coupon on a flash-sale item" outranking "how many
// coupons can I use per order" for "can I use two coupons on one order" on the strength of
// "can", "I" and "on".
var enFillerWords = setOf(
	"i", "me", "my", "we", "our", "you", "your", "it", "its", "a", "an", "the", "this", "that",
	"is", "are", "was", "were", "be", "am", "do", "does", "did", "can", "could", "will", "would",
	"should", "may", "might", "have", "has", "had", "to", "of", "on", "in", "at", "for", "with",
	"from", "by", "about", "and", "or", "if", "so", "there", "how", "what", "why", "when",
	"where", "which", "please", "hi", "hello", "hey",
)

// zhFillerRunes are the characters of the one-character fillers and of the fillers' parts: a
// bigram made only of them ("我的", "什么", "是不") is down-weighted like the words.
var zhFillerRunes = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "我你您们的了吗呢啊吧呀哦嘛么啦是在就都也又要想请问一下怎样如何为什啥咋这那个得着过给把被让" {
		m[r] = true
	}
	return m
}()

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// variantPairs maps traditional forms of common customer-service characters to the
// simplified ones (花唄 → 花呗, 帳號 → 账号), one rune for one rune, so both spellings find the
// same entries. Narrow on purpose: only characters whose simplified form is unambiguous.
const variantPairs = "唄呗還还錢钱訂订單单貨货費费帳账賬账號号碼码麼么為为換换問问題题開开發发額额無无沒没" +
	"買买賣卖銀银戶户機机實实認认證证驗验過过對对時时間间這这個个們们嗎吗說说請请幫帮運运遞递郵邮" +
	"東东優优紅红關关閉闭綁绑轉转螞蚂蟻蚁寶宝與与會会麽么際际護护務务辦办電电話话數数據据聯联繫系係系" +
	"記记錄录鎖锁凍冻結结"

var variantOf = func() map[rune]rune {
	rs := []rune(variantPairs)
	m := make(map[rune]rune, len(rs)/2)
	for i := 0; i+1 < len(rs); i += 2 {
		m[rs[i]] = rs[i+1]
	}
	return m
}()

// foldVariants applies variantOf to normalised text, copying it only when something changes.
func foldVariants(s string) string {
	for i, r := range s {
		if _, ok := variantOf[r]; ok {
			out := []rune(s[:i])
			for _, r := range s[i:] {
				if v, ok := variantOf[r]; ok {
					r = v
				}
				out = append(out, r)
			}
			return string(out)
		}
	}
	return s
}
