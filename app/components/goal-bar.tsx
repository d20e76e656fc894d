import { useT } from "~/i18n/use-t";

export function GoalBar({ count, goal }: { count: number; goal: number }) {
  const t = useT();
  const percent = goal > 0 ? Math.min(100, Math.floor((count / goal) * 100)) : 0;
  return (
    <div className="goal">
      <p className="goal-count">
        <strong>{t("petition.signaturesOfGoal", { count, goal })}</strong>
      </p>
      {/* A <progress> rather than a div sized by style="width": the CSP allows no inline style. */}
      <progress
        className="goal-bar"
        max={goal > 0 ? goal : 1}
        value={goal > 0 ? Math.min(count, goal) : 0}
        aria-label={t("petition.goalBar", { percent, goal })}
      />
    </div>
  );
}
